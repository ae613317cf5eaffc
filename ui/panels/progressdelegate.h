#pragma once

// Paints a progress bar in a table cell from the model's progress role.

#include <QStyledItemDelegate>

namespace pk {

class ProgressDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    ProgressDelegate(int progressRole, QObject* parent = nullptr);
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_role;
};

} // namespace pk
