#include "alertmodel.h"

#include "icons.h"

#include <QDateTime>
#include <QFont>

namespace pk {

AlertModel::AlertModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

QString AlertModel::kindName(const QString& kind)
{
    if (kind == alertKind::lowFreeSpace)
        return tr("Low Free Space Available");
    if (kind == alertKind::migrationFailed)
        return tr("Migration failed");
    if (kind == alertKind::compactionPending)
        return tr("Compaction pending");
    return kind;
}

void AlertModel::setAlerts(const QList<AlertRecord>& alerts)
{
    bool sameRows = alerts.size() == m_alerts.size();
    for (qsizetype i = 0; sameRows && i < alerts.size(); ++i)
        sameRows = alerts.at(i).id == m_alerts.at(i).id;
    if (!sameRows) {
        beginResetModel();
        m_alerts = alerts;
        endResetModel();
        return;
    }
    m_alerts = alerts;
    if (!m_alerts.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int AlertModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_alerts.size());
}

int AlertModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AlertRecord& alert = m_alerts.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(alert.createdMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case StorageColumn:
            return alert.storageName;
        case KindColumn:
            return kindName(alert.kind);
        case MessageColumn:
            return alert.message;
        }
        return {};
    case Qt::DecorationRole:
        return index.column() == KindColumn && alert.acknowledgedMs == 0 ? icons::alert() : QVariant();
    case Qt::FontRole:
        if (alert.acknowledgedMs == 0) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::ToolTipRole:
        return QString(alert.message + (alert.active ? QString() : tr("\n(the condition is over)")));
    case AlertIdRole:
        return alert.id;
    case AcknowledgedRole:
        return alert.acknowledgedMs > 0;
    }
    return {};
}

QVariant AlertModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[]
        = { QT_TR_NOOP("Time"), QT_TR_NOOP("Storage"), QT_TR_NOOP("Alert"), QT_TR_NOOP("Message") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace pk
