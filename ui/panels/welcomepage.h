#pragma once

// The first screen of an empty workspace: create a pool, or open the demo workspace.

#include <QWidget>

class QLabel;
class QPushButton;

namespace pk {

class WelcomePage : public QWidget
{
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);
    void setBusy(const QString& message); // empty: ready
    QPushButton* createPoolButton() const { return m_createPool; }
    QPushButton* demoButton() const { return m_demo; }

signals:
    void createPoolRequested();
    void demoRequested();

private:
    QPushButton* m_createPool;
    QPushButton* m_demo;
    QLabel* m_status;
};

} // namespace pk
