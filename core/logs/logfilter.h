#pragma once

// What a view of the migration log shows (filter) and looks for (search), and the matchers that
// worker threads run over millions of lines.

#include "logfile.h"
#include "logfmtline.h"
#include "logrecord.h"
#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QRegularExpression>
#include <QStringList>

#include <functional>
#include <optional>
#include <vector>

namespace pk {

struct LogFilter
{
    std::optional<LogLevel> minLevel; // this level and above; a line without one counts as info
    std::optional<qint64> job;
    QString user; // exact; empty: any
    QStringList storages; // any of these; empty: all
    // Inclusive bounds in ms since the epoch (UTC). A line's time is its ts= (as the merge reads
    // it); a line without one has its predecessor's in the same storage's log: a stack trace
    // stays with the line that wrote it.
    std::optional<qint64> fromMs;
    std::optional<qint64> toMs;

    bool isEmpty() const { return !minLevel && !job && user.isEmpty() && storages.isEmpty() && !fromMs && !toMs; }
    friend bool operator==(const LogFilter&, const LogFilter&) = default;
};

struct LogSearch
{
    QString pattern;
    bool regularExpression = false;
    Qt::CaseSensitivity caseSensitivity = Qt::CaseInsensitive;

    bool isEmpty() const { return pattern.isEmpty(); }
    friend bool operator==(const LogSearch&, const LogSearch&) = default;
};

struct LogQuery
{
    LogFilter filter;
    LogSearch search;
    friend bool operator==(const LogQuery&, const LogQuery&) = default;
};

// A compiled search. Text is searched in whole blocks of lines (a SIMD scan for the needle's first
// and last bytes, ASCII case folded or not) and hits are mapped to lines, as grep does. A regular
// expression that starts with a literal is run only on the lines holding it; otherwise on whole
// blocks converted once (ASCII without '\r'). Every candidate line is checked on its own, so the
// result is exactly "the line matches". Use one per thread.
class LogSearchMatcher
{
public:
    LogSearchMatcher() = default;
    // A bad regular expression is a usage error that says what is wrong and where.
    static Result<LogSearchMatcher> compile(const LogSearch& search);

    bool isEmpty() const { return m_kind == Kind::None; }
    bool matches(QByteArrayView line) const;
    // Appends the indexes of the block's lines that match, ascending.
    void matchBlock(const LogLineBlock& block, std::vector<qsizetype>& hits) const;
    // Where the pattern occurs in a displayed text, (start, length) pairs, for highlighting.
    QList<std::pair<qsizetype, qsizetype>> highlights(QStringView text) const;

private:
    enum class Kind { None, Bytes, AsciiFold, Unicode, Regex };
    bool regexMatchesLine(QByteArrayView line) const;
    void forEachLineWith(const LogLineBlock& block, const QByteArray& needle, bool fold,
        const std::function<void(qsizetype)>& found) const;

    Kind m_kind = Kind::None;
    QByteArray m_needle; // Bytes: as is; AsciiFold: lower case; Regex: its leading literal
    bool m_foldNeedle = false;
    QString m_text;
    Qt::CaseSensitivity m_caseSensitivity = Qt::CaseSensitive;
    QRegularExpression m_regex;
};

// A compiled filter with its running state (the last time seen in each storage's log, for lines
// without one). Use one per thread and feed it the rows in order.
class LogFilterMatcher
{
public:
    LogFilterMatcher() = default;
    // storages: the document's storages, by source index.
    LogFilterMatcher(const LogFilter& filter, const QStringList& storages);

    bool isEmpty() const { return m_empty; }
    bool matches(int source, QByteArrayView line);

private:
    bool m_empty = true;
    bool m_needsFields = false;
    LogFilter m_filter;
    std::vector<bool> m_allowedSources; // empty: all
    std::vector<std::optional<qint64>> m_lastTime;
    QByteArray m_job;
    QByteArray m_user;
    bool m_userPrefilter = false;
    LogfmtLine m_parsed;
};

} // namespace pk

Q_DECLARE_METATYPE(pk::LogFilter)
Q_DECLARE_METATYPE(pk::LogQuery)
