#pragma once

// A flat table model over a list of rows with a key: it holds the rows and updates them in place,
// so subclasses only write cells and headers (KDAB hotspot's table models follow the same idea).

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>

#include <concepts>

namespace pk {

template<typename Row, typename Key = qint64> class RowTableModel : public QAbstractTableModel
{
public:
    using KeyFunction = Key (*)(const Row&);

    const QList<Row>& rows() const { return m_rows; }
    const Row& rowAt(int row) const { return m_rows.at(row); }
    // The row holding key, or -1.
    int rowOf(const Key& key) const
    {
        for (int row = 0; row < m_rows.size(); ++row) {
            if (m_key(m_rows.at(row)) == key)
                return row;
        }
        return -1;
    }

    // Updates in place, so views keep their selection and scroll position: rows whose key went
    // are removed, new keys are inserted, kept rows are moved into the new order, and a kept row
    // whose content differs (every kept row when Row has no ==) gets dataChanged. Duplicate keys
    // cannot be matched, so they reset the model.
    void setRows(const QList<Row>& rows)
    {
        QSet<Key> wanted;
        wanted.reserve(rows.size());
        for (const Row& row : rows)
            wanted.insert(m_key(row));
        QSet<Key> kept;
        kept.reserve(m_rows.size());
        for (const Row& row : std::as_const(m_rows))
            kept.insert(m_key(row));
        if (wanted.size() != rows.size() || kept.size() != m_rows.size()) {
            resetRows(rows);
            return;
        }

        // Rows whose key is gone, last run first so the earlier row numbers stay valid.
        for (qsizetype end = m_rows.size(); end > 0;) {
            if (wanted.contains(m_key(m_rows.at(end - 1)))) {
                --end;
                continue;
            }
            qsizetype first = end - 1;
            while (first > 0 && !wanted.contains(m_key(m_rows.at(first - 1))))
                --first;
            beginRemoveRows({}, int(first), int(end - 1));
            for (qsizetype i = first; i < end; ++i)
                kept.remove(m_key(m_rows.at(i)));
            m_rows.remove(first, end - first);
            endRemoveRows();
            end = first;
        }

        // Walk the new order: rows [0, i) are in place; new keys are inserted, kept ones moved up.
        QList<bool> changed(rows.size(), false);
        for (qsizetype i = 0; i < rows.size();) {
            const Key key = m_key(rows.at(i));
            if (!kept.contains(key)) {
                qsizetype last = i;
                while (last + 1 < rows.size() && !kept.contains(m_key(rows.at(last + 1))))
                    ++last;
                beginInsertRows({}, int(i), int(last));
                for (qsizetype k = i; k <= last; ++k)
                    m_rows.insert(k, rows.at(k));
                endInsertRows();
                i = last + 1;
                continue;
            }
            qsizetype from = i;
            while (m_key(m_rows.at(from)) != key)
                ++from;
            if (from != i) {
                beginMoveRows({}, int(from), int(from), {}, int(i));
                m_rows.move(from, i);
                endMoveRows();
            }
            if (!sameContent(m_rows.at(i), rows.at(i))) {
                m_rows[i] = rows.at(i);
                changed[i] = true;
            }
            ++i;
        }

        const int lastColumn = columnCount() - 1;
        for (qsizetype i = 0; i < changed.size();) {
            if (!changed.at(i)) {
                ++i;
                continue;
            }
            qsizetype last = i;
            while (last + 1 < changed.size() && changed.at(last + 1))
                ++last;
            emit dataChanged(index(int(i), 0), index(int(last), lastColumn));
            i = last + 1;
        }
    }

    // Replaces every row at once: for content that has nothing in common with the shown one.
    void resetRows(const QList<Row>& rows)
    {
        beginResetModel();
        m_rows = rows;
        endResetModel();
    }

    int rowCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : m_columnCount; }

protected:
    RowTableModel(int columnCount, KeyFunction key, QObject* parent = nullptr)
        : QAbstractTableModel(parent)
        , m_columnCount(columnCount)
        , m_key(key)
    { }

private:
    static bool sameContent(const Row& a, const Row& b)
    {
        if constexpr (std::equality_comparable<Row>)
            return a == b;
        else
            return false;
    }

    int m_columnCount;
    KeyFunction m_key;
    QList<Row> m_rows;
};

} // namespace pk
