#pragma once

// The console's main window: pools and storages in a sidebar; for the selected pool a dashboard,
// the scan review, migrations and alerts; a welcome page for an empty workspace. All data comes
// from the engine in its worker thread through the EngineController.

#include "enginecontroller.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTreeView;

namespace pk {

class AlertsPanel;
class DashboardPanel;
class LogViewerWindow;
class MigrationsPanel;
class PoolTreeModel;
class ScanReviewPanel;
class WelcomePage;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum class Page { Dashboard, ScanReview, Migrations, Alerts };

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (creating when empty) a workspace; the previous one's engine stops first.
    void openWorkspace(
        const QString& directory, EngineController::NewWorkspace newWorkspace = EngineController::NewWorkspace::Empty);
    // Opens the demo workspace, creating it first when it does not exist.
    void openDemo();
    void setDemoDirectory(const QString& directory) { m_demoDirectory = directory; }
    void selectPool(const QString& pool);
    // Opens the migration log viewer on every storage of the current pool merged by time, or on one
    // storage; nullptr when there is nothing to show.
    LogViewerWindow* showMigrationLog(const QString& storage = QString());
    // Opens the viewer on the source and destination storages of a job, filtered to its lines.
    LogViewerWindow* showJobLog(qint64 jobId);
    void showPage(Page page);

    EngineController* controller() const { return m_controller; }
    QString currentPool() const { return m_pool; }
    PoolTreeModel* poolModel() const { return m_poolModel; }
    DashboardPanel* dashboard() const { return m_dashboard; }
    ScanReviewPanel* scanReview() const { return m_scanReview; }
    MigrationsPanel* migrations() const { return m_migrations; }
    AlertsPanel* alertsPanel() const { return m_alerts; }
    WelcomePage* welcome() const { return m_welcome; }
    QTabWidget* tabs() const { return m_tabs; }
    QAction* action(const QString& name) const;

signals:
    void workspaceOpened(const QString& directory);
    void engineStopped();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void connectController();
    void updatePages();
    void updateStatus();
    void updateActions();
    void addPool();
    void addStorage();
    void poolSettings();
    void drainStorage();
    void openWorkspaceDialog();
    void saveSupportBundle();
    void about();

    QPointer<EngineController> m_controller;
    QString m_pool;
    QString m_demoDirectory;
    bool m_closeWhenStopped = false;
    PoolTreeModel* m_poolModel;
    QTreeView* m_sidebar;
    QStackedWidget* m_stack;
    WelcomePage* m_welcome;
    QTabWidget* m_tabs;
    DashboardPanel* m_dashboard = nullptr;
    ScanReviewPanel* m_scanReview = nullptr;
    MigrationsPanel* m_migrations = nullptr;
    AlertsPanel* m_alerts = nullptr;
    QLabel* m_banner; // ConfigDb unreachable
    QLabel* m_engineLabel;
    QPushButton* m_runHereButton;
    QLabel* m_jobsLabel;
    QLabel* m_workspaceLabel;
    QHash<QString, QAction*> m_actions;
};

} // namespace pk
