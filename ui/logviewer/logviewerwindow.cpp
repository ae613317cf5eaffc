#include "logviewerwindow.h"

#include "icons.h"
#include "jobtimelinewidget.h"
#include "logfilterbar.h"
#include "logrowdelegate.h"
#include "logs/jobtimeline.h"
#include "logs/logdocument.h"
#include "logs/logquery.h"
#include "logs/logtablemodel.h"
#include "logsearchbar.h"
#include "theme.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QScrollBar>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <climits>

namespace pk {

LogViewerWindow::LogViewerWindow(const QList<LogSourceSpec>& sources, const QString& title, QWidget* parent)
    : QMainWindow(parent)
    , m_document(new LogDocument(sources, this))
    , m_query(new LogQueryRunner(m_document, this))
    , m_timelineRunner(new JobTimelineRunner(m_document, this))
    , m_model(new LogTableModel(m_document, this))
    , m_delegate(new LogRowDelegate(this))
    , m_table(new QTableView(this))
    , m_timeline(new JobTimelineWidget(this))
    , m_filterBar(new LogFilterBar(m_document->storages(), this))
    , m_searchBar(new LogSearchBar(this))
    , m_errors(new QLabel(this))
    , m_status(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_title(title)
{
    setWindowTitle(tr("Migration log of %1 — Poolkeeper").arg(title));
    setWindowIcon(icons::log());
    m_model->setQueryRunner(m_query);
    m_delegate->setMatcher(&m_query->searchMatcher());

    // Millions of rows: fixed row heights and no word wrap keep scrolling cheap.
    m_table->setModel(m_model);
    m_table->setItemDelegate(m_delegate);
    m_table->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(QFontMetrics(m_table->font()).height() + 4);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    const QFontMetrics metrics(m_table->font());
    const auto widthOf = [&metrics](const QString& sample) { return metrics.horizontalAdvance(sample) + 16; };
    m_table->setColumnWidth(LogTableModel::TimeColumn, widthOf(QStringLiteral("2026-11-24 10:15:02.123")));
    m_table->setColumnWidth(LogTableModel::SinceColumn, widthOf(QStringLiteral("+5 m 02 s")));
    m_table->setColumnWidth(LogTableModel::LevelColumn, widthOf(QStringLiteral("error")));
    m_table->setColumnWidth(LogTableModel::JobColumn, widthOf(QStringLiteral("99999")));
    for (int column : { LogTableModel::StorageColumn, LogTableModel::UserColumn, LogTableModel::SourceColumn,
             LogTableModel::DestinationColumn, LogTableModel::PhaseColumn })
        m_table->setColumnWidth(column, widthOf(QStringLiteral("compacting")));
    m_table->setColumnHidden(LogTableModel::StorageColumn, m_document->sourceCount() < 2);
    m_table->setAccessibleName(tr("Log lines"));

    m_errors->setWordWrap(true);
    m_errors->setVisible(false);
    m_errors->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette errorPalette = m_errors->palette();
    errorPalette.setColor(QPalette::WindowText, theme::logLevel(LogLevel::Error, errorPalette));
    m_errors->setPalette(errorPalette);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(m_filterBar);
    layout->addWidget(m_searchBar);
    layout->addWidget(m_errors);
    layout->addWidget(m_timeline);
    layout->addWidget(m_table, 1);
    setCentralWidget(central);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);

    createActions();

    connect(m_filterBar, &LogFilterBar::filterChanged, this, &LogViewerWindow::applyFilter);
    connect(m_searchBar, &LogSearchBar::searchChanged, this, &LogViewerWindow::applySearch);
    connect(m_searchBar, &LogSearchBar::nextRequested, this, [this] { moveToMatch(true); });
    connect(m_searchBar, &LogSearchBar::previousRequested, this, [this] { moveToMatch(false); });
    connect(m_timeline, &JobTimelineWidget::jobActivated, this, [this](qint64 job) {
        // A second click on the job shown lets every line back in.
        filterToJob(job == m_timeline->selectedJob() ? 0 : job);
    });
    connect(
        m_timelineRunner, &JobTimelineRunner::changed, this, [this] { m_timeline->setJobs(m_timelineRunner->jobs()); });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &LogViewerWindow::rowsArrived);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { m_statusTimer.start(); });
    connect(m_query, &LogQueryRunner::matchesAdded, this, [this] { m_statusTimer.start(); });
    connect(m_query, &LogQueryRunner::restarted, this, [this] { m_statusTimer.start(); });
    connect(m_query, &LogQueryRunner::finished, this, [this] { m_statusTimer.start(); });
    connect(m_query, &LogQueryRunner::progress, this, [this] { m_statusTimer.start(); });
    connect(m_document, &LogDocument::progressChanged, this, [this] { m_statusTimer.start(); });
    connect(m_document, &LogDocument::indexingFinished, this, &LogViewerWindow::updateStatus);
    connect(m_document, &LogDocument::errorOccurred, this, &LogViewerWindow::addError);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (m_query->isSearching())
            m_statusTimer.start();
    });
    // Scrolling up while following means the user wants to read: stop pulling the view down.
    connect(m_table->verticalScrollBar(), &QScrollBar::actionTriggered, this, [this](int action) {
        if (m_follow->isChecked() && action != QAbstractSlider::SliderToMaximum
            && action != QAbstractSlider::SliderNoAction)
            m_follow->setChecked(false);
    });
    // The range grows after the rows are laid out: keep the bottom in view then too.
    connect(m_table->verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int maximum) {
        if (m_follow->isChecked())
            m_table->verticalScrollBar()->setValue(maximum);
    });
    m_statusTimer.setSingleShot(true);
    m_statusTimer.setInterval(100);
    connect(&m_statusTimer, &QTimer::timeout, this, &LogViewerWindow::updateStatus);

    resize(1200, 760);
    m_document->setFollowing(true);
    m_document->start();
    updateStatus();
}

LogViewerWindow::~LogViewerWindow()
{
    // The passes read the document from their threads: stop them before it goes.
    m_table->setModel(nullptr);
    delete m_model;
    delete m_timelineRunner;
    delete m_query;
    delete m_document;
}

void LogViewerWindow::createActions()
{
    QToolBar* toolbar = addToolBar(tr("Log"));
    toolbar->setObjectName(QStringLiteral("logToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->setMovable(false);

    m_follow = toolbar->addAction(tr("&Follow"));
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setShortcut(QKeySequence(Qt::Key_F));
    m_follow->setToolTip(tr("Keep the newest line in view as lines are written (F)"));
    connect(m_follow, &QAction::toggled, this, [this](bool on) {
        if (on)
            m_table->scrollToBottom();
    });

    auto add = [this, toolbar](const QString& text, const QKeySequence& shortcut, auto slot, bool onToolbar = true) {
        auto* action = new QAction(text, this);
        action->setShortcut(shortcut);
        action->setToolTip(QStringLiteral("%1 (%2)").arg(
            QString(text).remove(u'&').remove(QStringLiteral("…")), shortcut.toString(QKeySequence::NativeText)));
        connect(action, &QAction::triggered, this, slot);
        if (onToolbar)
            toolbar->addAction(action);
        else
            addAction(action);
        return action;
    };
    add(tr("&Go to line…"), QKeySequence(Qt::CTRL | Qt::Key_G), &LogViewerWindow::goToLineDialog);
    add(tr("&Top"), QKeySequence(Qt::CTRL | Qt::Key_Home), [this] {
        m_follow->setChecked(false);
        goToRow(0);
    });
    add(tr("&End"), QKeySequence(Qt::CTRL | Qt::Key_End), [this] { goToRow(m_model->rowCount() - 1); });
    add(
        tr("&Search"), QKeySequence::Find, [this] { m_searchBar->focusSearch(); }, false);
    add(
        tr("Next match"), QKeySequence(Qt::Key_F3), [this] { moveToMatch(true); }, false);
    add(
        tr("Previous match"), QKeySequence(Qt::SHIFT | Qt::Key_F3), [this] { moveToMatch(false); }, false);
    add(tr("Close"), QKeySequence::Close, &QWidget::close, false);
    auto* copy = new QAction(tr("&Copy lines"), m_table);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &LogViewerWindow::copySelectedLines);
    m_table->addAction(copy);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* jobOfLine = new QAction(tr("Show only this line's &job"), m_table);
    connect(jobOfLine, &QAction::triggered, this, [this] {
        const QVariant job = m_table->currentIndex().data(LogTableModel::JobRole);
        if (!job.isNull())
            filterToJob(job.toLongLong());
    });
    m_table->addAction(jobOfLine);
}

void LogViewerWindow::filterToJob(qint64 job)
{
    m_filterBar->setJob(job); // emits filterChanged when it changes
    m_timeline->setSelectedJob(job);
}

void LogViewerWindow::setFollowing(bool follow)
{
    m_follow->setChecked(follow);
}

void LogViewerWindow::applyFilter(const LogFilter& filter)
{
    m_timeline->setSelectedJob(filter.job.value_or(0));
    runQuery();
}

void LogViewerWindow::applySearch(const LogSearch&)
{
    runQuery();
}

void LogViewerWindow::runQuery()
{
    LogQuery query;
    query.filter = m_filterBar->filter();
    query.search = m_searchBar->search();
    if (auto status = m_query->setQuery(query); !status) {
        m_searchBar->setStatus(status.message(), true);
        return;
    }
    m_delegate->setMatcher(&m_query->searchMatcher());
    m_table->viewport()->update();
    updateStatus();
}

void LogViewerWindow::goToRow(int row)
{
    if (row < 0 || row >= m_model->rowCount())
        return;
    const int column = m_table->currentIndex().isValid() ? m_table->currentIndex().column() : 0;
    const QModelIndex index = m_model->index(row, column);
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
}

void LogViewerWindow::moveToMatch(bool forward)
{
    if (!m_query->isSearching() || m_query->matchCount() == 0)
        return;
    const QModelIndex current = m_table->currentIndex();
    qint64 from = current.isValid() ? m_model->documentRow(current.row()) : -1;
    qint64 target;
    if (forward) {
        target = m_query->nextMatch(from);
    } else {
        if (from < 0)
            from = m_document->rowCount();
        target = m_query->previousMatch(from);
    }
    if (target < 0)
        return;
    m_follow->setChecked(false);
    goToRow(m_model->rowForDocumentRow(target));
}

void LogViewerWindow::goToLineDialog()
{
    const int count = m_model->rowCount();
    if (count == 0)
        return;
    const QModelIndex current = m_table->currentIndex();
    bool ok = false;
    const int line = QInputDialog::getInt(this, tr("Go to line"), tr("Line (1 to %1):").arg(QLocale().toString(count)),
        current.isValid() ? current.row() + 1 : 1, 1, count, 1, &ok);
    if (ok) {
        m_follow->setChecked(false);
        goToRow(line - 1);
    }
}

void LogViewerWindow::copySelectedLines()
{
    QList<int> rows;
    for (const QModelIndex& index : m_table->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    QStringList lines;
    for (int row : std::as_const(rows))
        lines.append(m_model->index(row, 0).data(LogTableModel::RawLineRole).toString());
    if (!lines.isEmpty())
        QApplication::clipboard()->setText(lines.join(u'\n') + u'\n');
}

void LogViewerWindow::rowsArrived()
{
    if (m_follow->isChecked())
        m_table->scrollToBottom();
    m_statusTimer.start();
}

void LogViewerWindow::addError(const LogSourceError& error)
{
    m_errorLines.append(tr("%1: %2: %3").arg(error.storage, error.path, error.message));
    QStringList shown = m_errorLines.mid(0, 3);
    if (m_errorLines.size() > 3)
        shown.append(tr("… and %n more", nullptr, int(m_errorLines.size() - 3)));
    m_errors->setText(
        tr("Some of the log could not be read; the lines before the damage are shown.") + u'\n' + shown.join(u'\n'));
    m_errors->setToolTip(m_errorLines.join(u'\n'));
    m_errors->setVisible(true);
}

void LogViewerWindow::updateStatus()
{
    const LogIndexProgress progress = m_document->progress();
    const LogDocumentStats stats = m_document->stats();
    const QLocale locale;
    QString text = tr("%1 lines in %n files", nullptr, stats.files).arg(locale.toString(m_document->rowCount()));
    if (m_query->isFiltering()) {
        text = tr("%1 of %2").arg(locale.toString(m_model->rowCount()), text);
        if (m_query->isRunning())
            text += u' ' + tr("(filtering…)");
    }
    m_status->setText(text);
    const bool indexing = !progress.finished;
    m_progress->setVisible(indexing);
    if (indexing) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(progress.bytesTotal > 0 ? int(1000 * progress.bytesDone / progress.bytesTotal) : 0);
        m_progress->setFormat(tr("Indexing %p%"));
    }
    updateSearchStatus();
}

void LogViewerWindow::updateSearchStatus()
{
    if (!m_query->isSearching()) {
        m_searchBar->setStatus(QString());
        return;
    }
    const QLocale locale;
    const qint64 count = m_query->matchCount();
    QString text;
    const QModelIndex current = m_table->currentIndex();
    const qint64 row = current.isValid() ? m_model->documentRow(current.row()) : -1;
    if (row >= 0 && m_query->isMatch(row)) {
        const QList<quint32>& matches = m_query->matches();
        const qint64 position = std::lower_bound(matches.cbegin(), matches.cend(), quint32(row)) - matches.cbegin();
        text = tr("%1 of %2 matching lines").arg(locale.toString(position + 1), locale.toString(count));
    } else {
        text = count == 0 && !m_query->isRunning() ? tr("No matching lines")
                                                   : tr("%1 matching lines").arg(locale.toString(count));
    }
    if (m_query->isRunning())
        text += u' ' + tr("(searching…)");
    m_searchBar->setStatus(text);
}

} // namespace pk
