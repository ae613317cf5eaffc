#pragma once

// The inSyncMigration.log viewer: the log of one storage, or of every storage of a pool merged by
// time, with its job timeline, filters, search and follow. Indexing, filtering and search run in
// worker threads (core/logs); this window only shows what they deliver.

#include "logs/logsource.h"

#include <QMainWindow>
#include <QTimer>

class QAction;
class QLabel;
class QProgressBar;
class QTableView;

namespace pk {

class JobTimelineRunner;
class JobTimelineWidget;
class LogDocument;
class LogFilterBar;
class LogQueryRunner;
class LogRowDelegate;
class LogSearchBar;
class LogTableModel;
struct LogFilter;
struct LogSearch;
struct LogSourceError;

class LogViewerWindow : public QMainWindow
{
    Q_OBJECT
public:
    // title: what the log is of ("storage store-a", "pool main"), for the window title.
    LogViewerWindow(const QList<LogSourceSpec>& sources, const QString& title, QWidget* parent = nullptr);
    ~LogViewerWindow() override;

    // Shows only the lines of one job (0: every job), as clicking its bar does.
    void filterToJob(qint64 job);
    void setFollowing(bool follow);
    // Selects a row of the view (as it is filtered) and scrolls it to the middle.
    void goToRow(int row);

    LogDocument* document() const { return m_document; }
    LogTableModel* model() const { return m_model; }
    LogQueryRunner* query() const { return m_query; }
    QTableView* table() const { return m_table; }
    JobTimelineWidget* timeline() const { return m_timeline; }
    LogFilterBar* filterBar() const { return m_filterBar; }
    LogSearchBar* searchBar() const { return m_searchBar; }
    QAction* followAction() const { return m_follow; }
    QLabel* errorLabel() const { return m_errors; }

private:
    void createActions();
    void applyFilter(const LogFilter& filter);
    void applySearch(const LogSearch& search);
    void runQuery();
    void moveToMatch(bool forward);
    void goToLineDialog();
    void copySelectedLines();
    void updateStatus();
    void updateSearchStatus();
    void addError(const LogSourceError& error);
    void rowsArrived();

    LogDocument* m_document;
    LogQueryRunner* m_query;
    JobTimelineRunner* m_timelineRunner;
    LogTableModel* m_model;
    LogRowDelegate* m_delegate;
    QTableView* m_table;
    JobTimelineWidget* m_timeline;
    LogFilterBar* m_filterBar;
    LogSearchBar* m_searchBar;
    QLabel* m_errors;
    QLabel* m_status;
    QProgressBar* m_progress;
    QAction* m_follow = nullptr;
    QStringList m_errorLines;
    QTimer m_statusTimer; // coalesces status text updates while rows stream in
    QString m_title;
};

} // namespace pk
