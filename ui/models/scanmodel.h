#pragma once

// The scan review: every user of the last scan with size, snapshots, consistency, the
// destination the plan proposes, and why a user cannot move. Planned users are checkable so an
// operator can approve a selection.

#include "configdb/enginerecords.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>

namespace pk {

class ScanModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        UserColumn,
        StorageColumn,
        SizeColumn,
        SnapshotsColumn,
        ConsistencyColumn,
        DestinationColumn,
        ReasonColumn,
        ColumnCount
    };
    enum Role { UserNameRole = Qt::UserRole + 1, CandidateRole, PlannedRole };

    explicit ScanModel(QObject* parent = nullptr);

    void setScan(const ScanReport& report);
    void setPlan(const PlanRecord& plan);
    void clear();
    const ScanReport& scan() const { return m_scan; }
    const PlanRecord& plan() const { return m_plan; }
    // Planned users whose box is ticked (all planned users by default).
    QStringList checkedUsers() const;
    int plannedCount() const { return static_cast<int>(m_destination.size()); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    ScanReport m_scan;
    PlanRecord m_plan;
    QHash<QString, QString> m_destination; // user -> storage the plan moves it to
    QSet<QString> m_unchecked;
};

} // namespace pk
