#pragma once

// Helpers for the console tests: answering the next message box or dialog as a user would.

#include <QApplication>
#include <QDialog>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>

#include <functional>

namespace pk::test {

// Polls until a modal dialog of type T is open, then hands it to action (which must close it).
template<typename T> void whenDialogOpens(std::function<void(T*)> action)
{
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, action] {
        if (auto* dialog = qobject_cast<T*>(QApplication::activeModalWidget())) {
            timer->stop();
            timer->deleteLater();
            action(dialog);
        }
    });
    timer->start();
}

inline void answerNextMessageBox(QMessageBox::StandardButton button)
{
    whenDialogOpens<QMessageBox>([button](QMessageBox* box) {
        if (QAbstractButton* target = box->button(button))
            target->click();
        else
            box->reject();
    });
}

} // namespace pk::test
