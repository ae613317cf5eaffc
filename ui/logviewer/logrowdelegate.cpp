#include "logrowdelegate.h"

#include "logs/logfilter.h"
#include "logs/logquery.h"
#include "logs/logtablemodel.h"
#include "theme.h"

#include <QApplication>
#include <QPainter>

namespace pk {

LogRowDelegate::LogRowDelegate(QObject* parent)
    : QStyledItemDelegate(parent)
{ }

void LogRowDelegate::initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const int level = index.data(LogTableModel::LevelRole).toInt();
    if (level < 0)
        return;
    const QColor colour = theme::logLevel(LogLevel(level), option->palette);
    if (colour.isValid())
        option->palette.setColor(QPalette::Text, colour);
    if (index.column() == LogTableModel::LevelColumn && LogLevel(level) >= LogLevel::Warn)
        option->font.setBold(true);
}

void LogRowDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    if (!m_matcher || m_matcher->isEmpty() || !index.data(LogTableModel::MatchRole).toBool()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    const auto ranges = m_matcher->highlights(text);
    if (ranges.isEmpty()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // Background and selection from the style, then the text with its matches marked.
    opt.text.clear();
    const QWidget* widget = opt.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget).adjusted(3, 0, -3, 0);
    const QFontMetrics metrics(opt.font);
    const QString shown = metrics.elidedText(text, Qt::ElideRight, textRect.width());
    const qsizetype visible = shown == text ? text.size() : qMax<qsizetype>(0, shown.size() - 1);
    painter->save();
    painter->setFont(opt.font);
    painter->setClipRect(textRect);
    const QColor highlight = theme::searchHighlight(opt.palette);
    const bool right = opt.displayAlignment & Qt::AlignRight;
    const int offset = right ? textRect.width() - metrics.horizontalAdvance(shown) : 0;
    for (const auto& [start, length] : ranges) {
        if (start >= visible)
            break;
        const qsizetype end = qMin(visible, start + length);
        const int x = textRect.left() + offset + metrics.horizontalAdvance(text.left(start));
        const int width = metrics.horizontalAdvance(text.mid(start, end - start));
        painter->fillRect(QRect(x, textRect.top() + 1, width, textRect.height() - 2), highlight);
    }
    const bool selected = opt.state & QStyle::State_Selected;
    QColor pen = opt.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    painter->setPen(pen);
    painter->drawText(textRect, int(opt.displayAlignment) | Qt::TextSingleLine, shown);
    painter->restore();
}

} // namespace pk
