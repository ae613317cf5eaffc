#include "joblogdialog.h"

#include "models/joblogmodel.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace pk {

JobLogDialog::JobLogDialog(qint64 jobId, QWidget* parent)
    : QDialog(parent)
    , m_jobId(jobId)
    , m_model(new JobLogModel(this))
    , m_table(new QTableView(this))
    , m_problems(new QLabel(this))
{
    setWindowTitle(tr("inSyncMigration.log of job %1").arg(jobId));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_problems->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_problems);
    layout->addWidget(buttons);
    resize(980, 460);
}

void JobLogDialog::setLog(const JobLog& log)
{
    m_model->setLog(log);
    m_problems->setText(log.problems.join(u'\n'));
    m_problems->setVisible(!log.problems.isEmpty());
    m_table->scrollToBottom();
}

} // namespace pk
