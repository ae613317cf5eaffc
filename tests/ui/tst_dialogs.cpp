// Bad input in every dialog is caught in the dialog: the OK button stays disabled and a message
// says what is wrong (empty name, duplicate name, a path that is a file, low >= high, ...).

#include "dialogs/addpooldialog.h"
#include "dialogs/addstoragedialog.h"
#include "dialogs/poolsettingsdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace pk;

namespace {

bool okEnabled(QDialog* dialog)
{
    return dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->isEnabled();
}

QString message(QDialog* dialog)
{
    return dialog->findChild<QLabel*>(QStringLiteral("validationMessage"))->text();
}

// Types text as key events carrying the characters (QTest::keyClicks knows only ASCII).
void typeText(QWidget* widget, const QString& text)
{
    for (const QChar c : text)
        QTest::sendKeyEvent(QTest::Click, widget, Qt::Key_unknown, QString(c), Qt::NoModifier);
}

// Replaces a spin box's value by typing, as a user does.
void typeInto(QAbstractSpinBox* spin, const QString& text)
{
    spin->setFocus();
    QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(spin, text);
}

} // namespace

class TestDialogs : public QObject
{
    Q_OBJECT
private slots:
    void addPool_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("high");
        QTest::addColumn<QString>("low");
        QTest::addColumn<QString>("problem"); // empty: acceptable
        QTest::newRow("valid") << "nord"
                               << "85"
                               << "60"
                               << "";
        QTest::newRow("unicode name") << "Sauvegardes été"
                                      << "80"
                                      << "70"
                                      << "";
        QTest::newRow("empty name") << ""
                                    << "80"
                                    << "70"
                                    << "Give the pool a name";
        QTest::newRow("blank name") << "   "
                                    << "80"
                                    << "70"
                                    << "Give the pool a name";
        QTest::newRow("duplicate name") << "main"
                                        << "80"
                                        << "70"
                                        << "already exists";
        QTest::newRow("low equals high") << "p"
                                         << "70"
                                         << "70"
                                         << "below the high watermark";
        QTest::newRow("low above high") << "p"
                                        << "60"
                                        << "70"
                                        << "below the high watermark";
        QTest::newRow("high zero") << "p"
                                   << "0"
                                   << "0"
                                   << "above 0 %";
    }
    void addPool()
    {
        QFETCH(QString, name);
        QFETCH(QString, high);
        QFETCH(QString, low);
        QFETCH(QString, problem);
        AddPoolDialog dialog({ QStringLiteral("main") });
        dialog.show();
        QVERIFY(!okEnabled(&dialog)); // nothing typed yet
        typeText(dialog.nameEdit(), name);
        typeInto(dialog.highSpin(), high);
        typeInto(dialog.lowSpin(), low);
        QCOMPARE(okEnabled(&dialog), problem.isEmpty());
        QVERIFY2(problem.isEmpty() ? message(&dialog).isEmpty() : message(&dialog).contains(problem),
            qPrintable(message(&dialog)));
        if (problem.isEmpty()) {
            QCOMPARE(dialog.name(), name.trimmed());
            QCOMPARE(dialog.highPercent(), high.toDouble());
            QCOMPARE(dialog.lowPercent(), low.toDouble());
        }
    }

    void addStorage_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("path"); // "dir", "file", "missing", "storage", ""
        QTest::addColumn<QString>("quota"); // empty: the filesystem's size
        QTest::addColumn<QString>("problem");
        QTest::newRow("valid") << "s9"
                               << "dir"
                               << ""
                               << "";
        QTest::newRow("valid with quota") << "s9"
                                          << "dir"
                                          << "500"
                                          << "";
        QTest::newRow("empty name") << ""
                                    << "dir"
                                    << ""
                                    << "Give the storage a name";
        QTest::newRow("duplicate name") << "s1"
                                        << "dir"
                                        << ""
                                        << "already exists";
        QTest::newRow("no path") << "s9"
                                 << ""
                                 << ""
                                 << "Choose the storage's directory";
        QTest::newRow("path is a file") << "s9"
                                        << "file"
                                        << ""
                                        << "This is a file";
        QTest::newRow("missing path") << "s9"
                                      << "missing"
                                      << ""
                                      << "does not exist";
        QTest::newRow("already a storage") << "s9"
                                           << "storage"
                                           << ""
                                           << "already holds a storage";
        QTest::newRow("zero quota") << "s9"
                                    << "dir"
                                    << "0"
                                    << "greater than zero";
    }
    void addStorage()
    {
        QFETCH(QString, name);
        QFETCH(QString, path);
        QFETCH(QString, quota);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath(QStringLiteral("dir")));
        QDir().mkpath(dir.filePath(QStringLiteral("storage")));
        QFile(dir.filePath(QStringLiteral("storage/storage.json"))).open(QIODevice::WriteOnly);
        QFile file(dir.filePath(QStringLiteral("file")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        AddStorageDialog dialog({ QStringLiteral("main") }, QStringLiteral("main"), { QStringLiteral("s1") });
        dialog.show();
        QTest::keyClicks(dialog.nameEdit(), name);
        if (!path.isEmpty())
            QTest::keyClicks(dialog.pathEdit(), dir.filePath(path));
        if (!quota.isEmpty()) {
            QTest::mouseClick(dialog.quotaCheck(), Qt::LeftButton, {}, QPoint(5, dialog.quotaCheck()->height() / 2));
            QVERIFY(dialog.quotaCheck()->isChecked());
            typeInto(dialog.quotaSpin(), quota);
        }
        QCOMPARE(okEnabled(&dialog), problem.isEmpty());
        QVERIFY2(problem.isEmpty() ? message(&dialog).isEmpty() : message(&dialog).contains(problem),
            qPrintable(message(&dialog)));
        if (problem.isEmpty()) {
            QCOMPARE(dialog.path(), dir.filePath(path));
            QCOMPARE(dialog.quotaBytes(), quota.isEmpty() ? qint64(0) : qint64(500) * 1024 * 1024 * 1024);
        }
    }

    void poolSettings_data()
    {
        QTest::addColumn<QString>("high");
        QTest::addColumn<QString>("low");
        QTest::addColumn<QString>("problem");
        QTest::newRow("valid") << "90"
                               << "50"
                               << "";
        QTest::newRow("low equals high") << "75"
                                         << "75"
                                         << "below the high watermark";
        QTest::newRow("low above high") << "50"
                                        << "60"
                                        << "below the high watermark";
    }
    void poolSettings()
    {
        QFETCH(QString, high);
        QFETCH(QString, low);
        QFETCH(QString, problem);
        PoolRecord pool;
        pool.id = 1;
        pool.name = QStringLiteral("main");
        PoolSettingsDialog dialog(pool);
        dialog.show();
        QVERIFY(okEnabled(&dialog)); // the current settings are valid
        typeInto(dialog.lowSpin(), QStringLiteral("1"));
        typeInto(dialog.highSpin(), high);
        typeInto(dialog.lowSpin(), low);
        QCOMPARE(okEnabled(&dialog), problem.isEmpty());
        QVERIFY2(problem.isEmpty() ? message(&dialog).isEmpty() : message(&dialog).contains(problem),
            qPrintable(message(&dialog)));
        if (problem.isEmpty()) {
            QCOMPARE(dialog.pool().highPercent, high.toDouble());
            QCOMPARE(dialog.pool().lowPercent, low.toDouble());
            QCOMPARE(dialog.pool().name, QStringLiteral("main"));
        }
    }

    // The console's own command line: help, version and bad options need no display.
    void consoleCommandLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("output");
        QTest::newRow("help") << QStringList { QStringLiteral("--help") } << 0 << QStringLiteral("--workspace <DIR>");
        QTest::newRow("version") << QStringList { QStringLiteral("--version") } << 0 << QStringLiteral("poolkeeper ");
        QTest::newRow("unknown option") << QStringList { QStringLiteral(
            "--bogus") } << 2 << QStringLiteral("poolkeeper: Unknown option 'bogus'; see 'poolkeeper --help'\n");
        QTest::newRow("missing value") << QStringList { QStringLiteral("--workspace") } << 2
                                       << QStringLiteral("Missing value after '--workspace'");
    }

    void consoleCommandLine()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, output);
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(POOLKEEPER_GUI_PATH), args);
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), exitCode);
        const QString text = QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
        QVERIFY2(text.contains(output), qPrintable(text));
        if (exitCode != 0)
            QCOMPARE(text.count(u'\n'), 1); // one line
    }
};

QTEST_MAIN(TestDialogs)
#include "tst_dialogs.moc"
