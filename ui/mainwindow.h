#pragma once

// The console's main window. For now a read-only overview of the pools of a workspace; the
// console issue turns it into the live dashboard driven by the engine's worker thread.

#include "master/poolstatus.h"

#include <QMainWindow>

class QTreeWidget;
class QLabel;

namespace pk {

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    void showPools(const QList<PoolStatus>& pools, const QString& workspaceDir);
    void showError(const QString& message);

private:
    QTreeWidget* m_tree = nullptr;
    QLabel* m_workspaceLabel = nullptr;
};

} // namespace pk
