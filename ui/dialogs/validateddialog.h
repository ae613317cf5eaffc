#pragma once

// A dialog whose OK button is enabled only while its input is valid, with the reason shown in the
// dialog itself rather than as an error after the fact.

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QFormLayout;

namespace pk {

class ValidatedDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ValidatedDialog(QWidget* parent = nullptr);

    // The current problem, empty when the input is valid.
    QString problem() const { return m_problem; }
    bool isAcceptable() const { return m_problem.isEmpty(); }

protected:
    QFormLayout* form() const { return m_form; }
    // Subclasses return what is wrong with the input, or an empty string.
    virtual QString validate() const = 0;
    // Call whenever an input changes.
    void revalidate();

private:
    QFormLayout* m_form;
    QLabel* m_message;
    QDialogButtonBox* m_buttons;
    QString m_problem;
};

} // namespace pk
