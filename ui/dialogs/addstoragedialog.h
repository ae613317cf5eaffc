#pragma once

// Adding a storage to a pool: a unique name, an existing writable directory that is not already
// a storage (chosen with a directory picker), and a capacity (a quota, or the filesystem's size).

#include "validateddialog.h"

class QLineEdit;
class QComboBox;
class QDoubleSpinBox;
class QCheckBox;

namespace pk {

class AddStorageDialog : public ValidatedDialog
{
    Q_OBJECT
public:
    AddStorageDialog(
        const QStringList& pools, const QString& currentPool, QStringList existingStorages, QWidget* parent = nullptr);

    QString pool() const;
    QString name() const;
    QString path() const;
    qint64 quotaBytes() const; // 0: the filesystem's size

    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* pathEdit() const { return m_path; }
    QCheckBox* quotaCheck() const { return m_useQuota; }
    QDoubleSpinBox* quotaSpin() const { return m_quota; }

protected:
    QString validate() const override;

private:
    QStringList m_existing;
    QComboBox* m_pool;
    QLineEdit* m_name;
    QLineEdit* m_path;
    QCheckBox* m_useQuota;
    QDoubleSpinBox* m_quota;
    QComboBox* m_unit;
};

} // namespace pk
