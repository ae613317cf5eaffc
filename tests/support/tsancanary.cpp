// Only in ThreadSanitizer builds: a data race on purpose, in code built like ours and run like the
// tests (tsan-run.sh, the preset's TSAN_OPTIONS and suppressions). CTest expects TSan's report:
// if the suppressions or the annotations of tsanqt.cpp ever hid a race in our code, this fails.

#include <QCoreApplication>
#include <QThread>

#include <thread>

namespace {

int counter = 0; // deliberately unprotected

void bump()
{
    for (int i = 0; i < 1000; ++i)
        counter = counter + 1;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    // One plain thread and one QThread: the annotations for Qt's threads must not order these.
    std::thread plain(bump);
    QThread* qt = QThread::create(bump);
    qt->start();
    plain.join();
    qt->wait();
    delete qt;
    return counter > 0 ? 0 : 1;
}
