#include "alertmodel.h"

#include "icons.h"

#include <QDateTime>
#include <QFont>

namespace pk {

AlertModel::AlertModel(QObject* parent)
    : RowTableModel(
        ColumnCount, [](const AlertRecord& alert) { return alert.id; }, parent)
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
    setRows(alerts);
}

QVariant AlertModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AlertRecord& alert = rowAt(index.row());
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
