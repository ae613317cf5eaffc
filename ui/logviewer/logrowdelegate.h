#pragma once

// Paints the log viewer's cells: the level's colour on warnings and errors, and the text a search
// matched highlighted in the cells of matching rows.

#include <QStyledItemDelegate>

namespace pk {

class LogSearchMatcher;

class LogRowDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit LogRowDelegate(QObject* parent = nullptr);

    // The search whose matches are highlighted; nullptr for none. Not owned.
    void setMatcher(const LogSearchMatcher* matcher) { m_matcher = matcher; }

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override;

private:
    const LogSearchMatcher* m_matcher = nullptr;
};

} // namespace pk
