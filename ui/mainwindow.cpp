#include "mainwindow.h"

#include "util/sizes.h"

#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>
#include <QTreeWidget>

namespace pk {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_tree(new QTreeWidget(this))
    , m_workspaceLabel(new QLabel(this))
{
    setWindowTitle(tr("Poolkeeper"));
    m_tree->setHeaderLabels({ tr("Pool / storage"), tr("State"), tr("Used"), tr("Capacity"), tr("Used %"), tr("Users") });
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    setCentralWidget(m_tree);
    statusBar()->addPermanentWidget(m_workspaceLabel);
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    resize(1000, 640);
}

void MainWindow::showPools(const QList<PoolStatus>& pools, const QString& workspaceDir)
{
    m_tree->clear();
    for (const PoolStatus& pool : pools) {
        auto* poolItem = new QTreeWidgetItem(m_tree, { pool.pool.name, toString(pool.state) });
        for (const StorageStatus& storage : pool.storages) {
            new QTreeWidgetItem(poolItem, { storage.usage.storage.name, toString(storage.usage.effectiveState()), formatBytes(storage.usage.storage.usedBytes),
                                            formatBytes(storage.usage.capacityBytes), formatPercent(storage.usage.usedPercent()),
                                            QString::number(storage.users) });
        }
        poolItem->setExpanded(true);
    }
    m_workspaceLabel->setText(tr("Workspace: %1").arg(workspaceDir));
}

void MainWindow::showError(const QString& message)
{
    statusBar()->showMessage(message);
}

} // namespace pk
