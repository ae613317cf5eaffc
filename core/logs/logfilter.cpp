#include "logfilter.h"

#include "logfmt.h"
#include "logrow.h"

#include <cstring>
#include <functional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace pk {

namespace {

inline char foldAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

inline bool equalAt(const char* at, const char* needle, qsizetype length, bool fold)
{
    if (!fold)
        return std::memcmp(at, needle, std::size_t(length)) == 0;
    for (qsizetype i = 0; i < length; ++i) {
        if (foldAscii(at[i]) != needle[i])
            return false;
    }
    return true;
}

// The first position >= from where needle starts (fold: needle is lower case ASCII and the data
// is compared folded), or -1. Wojciech Mula's SIMD search: the needle's first and last bytes are
// compared at 16 positions at once, and only where both agree is the whole needle compared.
// Not instrumented by ThreadSanitizer (no effect on other builds): it checks each unaligned
// 16-byte load byte by byte, which made a search 50 times slower under it (tst_logquery ran past
// its timeout). The scan only reads the block its caller is visiting, a buffer of that visit.
__attribute__((no_sanitize("thread"))) qsizetype findNeedle(
    const char* data, qsizetype size, qsizetype from, const QByteArray& needle, bool fold)
{
    const qsizetype length = needle.size();
    const char* n = needle.constData();
    if (length == 0)
        return from <= size ? from : -1;
    qsizetype i = from;
#if defined(__SSE2__)
    const char firstByte = n[0];
    const char lastByte = n[length - 1];
    const bool foldFirst = fold && firstByte >= 'a' && firstByte <= 'z';
    const bool foldLast = fold && lastByte >= 'a' && lastByte <= 'z';
    const __m128i first = _mm_set1_epi8(firstByte);
    const __m128i last = _mm_set1_epi8(lastByte);
    const __m128i caseBit = _mm_set1_epi8(0x20);
    for (; i + length - 1 + 16 <= size; i += 16) {
        __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + length - 1));
        if (foldFirst)
            a = _mm_or_si128(a, caseBit); // 'A'..'Z' -> 'a'..'z'; others may collide: checked below
        if (foldLast)
            b = _mm_or_si128(b, caseBit);
        auto mask
            = static_cast<quint32>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
        while (mask) {
            const int bit = __builtin_ctz(mask);
            if (equalAt(data + i + bit, n, length, fold))
                return i + bit;
            mask &= mask - 1;
        }
    }
#endif
    for (; i + length <= size; ++i) {
        if (equalAt(data + i, n, length, fold))
            return i;
    }
    return -1;
}

// The literal text every match of a pattern starts with ("user=user-4" of "user=user-4[0-9] .*"),
// or empty. Conservative: nothing when the pattern has an alternation anywhere; a quantifier that
// makes the last character optional drops it. Caseless, only ASCII, and it stops before 'k' and
// 's' (PCRE2 folds the Kelvin sign and the long s onto them).
QString leadingLiteral(const QString& pattern, Qt::CaseSensitivity caseSensitivity)
{
    if (pattern.contains(u'|'))
        return {};
    static const QString meta = QStringLiteral("\\.^$|?*+()[]{}");
    qsizetype i = pattern.startsWith(u'^') ? 1 : 0;
    QString literal;
    for (; i < pattern.size(); ++i) {
        const QChar c = pattern.at(i);
        if (meta.contains(c))
            break;
        if (caseSensitivity == Qt::CaseInsensitive
            && (c.unicode() >= 0x80 || c.toLower() == u'k' || c.toLower() == u's'))
            return literal.size() >= 3 ? literal : QString();
        literal += c;
    }
    if (i < pattern.size() && (pattern.at(i) == u'?' || pattern.at(i) == u'*' || pattern.at(i) == u'{'))
        literal.chop(1);
    return literal;
}

bool isAsciiWithoutCr(QByteArrayView data)
{
    const char* p = data.data();
    const qsizetype n = data.size();
    qsizetype i = 0;
    quint64 high = 0;
    for (; i + 8 <= n; i += 8) {
        quint64 word;
        std::memcpy(&word, p + i, 8);
        high |= word;
    }
    for (; i < n; ++i)
        high |= quint8(p[i]);
    if (high & 0x8080808080808080ULL)
        return false;
    return std::memchr(p, '\r', std::size_t(n)) == nullptr;
}

} // namespace

Result<LogSearchMatcher> LogSearchMatcher::compile(const LogSearch& search)
{
    LogSearchMatcher matcher;
    if (search.pattern.isEmpty())
        return matcher;
    matcher.m_text = search.pattern;
    matcher.m_caseSensitivity = search.caseSensitivity;
    if (search.regularExpression) {
        QRegularExpression::PatternOptions options = QRegularExpression::MultilineOption;
        if (search.caseSensitivity == Qt::CaseInsensitive)
            options |= QRegularExpression::CaseInsensitiveOption;
        matcher.m_regex = QRegularExpression(search.pattern, options);
        if (!matcher.m_regex.isValid())
            return usageError(QStringLiteral("the regular expression '%1' is not valid: %2 at offset %3")
                                  .arg(search.pattern, matcher.m_regex.errorString())
                                  .arg(matcher.m_regex.patternErrorOffset()));
        matcher.m_regex.optimize();
        matcher.m_kind = Kind::Regex;
        const QString literal = leadingLiteral(search.pattern, search.caseSensitivity);
        if (literal.size() >= 3) {
            matcher.m_foldNeedle = search.caseSensitivity == Qt::CaseInsensitive;
            matcher.m_needle = matcher.m_foldNeedle ? literal.toUtf8().toLower() : literal.toUtf8();
        }
        return matcher;
    }
    const QByteArray utf8 = search.pattern.toUtf8();
    bool ascii = true;
    for (const char c : utf8)
        ascii = ascii && quint8(c) < 0x80;
    if (search.caseSensitivity == Qt::CaseSensitive) {
        matcher.m_kind = Kind::Bytes;
        matcher.m_needle = utf8;
    } else if (ascii) {
        matcher.m_kind = Kind::AsciiFold;
        matcher.m_needle = utf8.toLower();
    } else {
        matcher.m_kind = Kind::Unicode; // full Unicode case folding: line by line
    }
    return matcher;
}

bool LogSearchMatcher::regexMatchesLine(QByteArrayView line) const
{
    // fromUtf8 always yields valid UTF-16: PCRE2 need not check it again.
    return m_regex
        .match(QString::fromUtf8(line), 0, QRegularExpression::NormalMatch,
            QRegularExpression::DontCheckSubjectStringMatchOption)
        .hasMatch();
}

bool LogSearchMatcher::matches(QByteArrayView line) const
{
    switch (m_kind) {
    case Kind::None:
        return true;
    case Kind::Bytes:
    case Kind::AsciiFold:
        return findNeedle(line.data(), line.size(), 0, m_needle, m_kind == Kind::AsciiFold) >= 0;
    case Kind::Unicode:
        return QString::fromUtf8(line).contains(m_text, m_caseSensitivity);
    case Kind::Regex:
        if (!m_needle.isEmpty() && findNeedle(line.data(), line.size(), 0, m_needle, m_foldNeedle) < 0)
            return false;
        return regexMatchesLine(line);
    }
    return false;
}

void LogSearchMatcher::forEachLineWith(
    const LogLineBlock& block, const QByteArray& needle, bool fold, const std::function<void(qsizetype)>& found) const
{
    // Search the whole block, map each hit to its line, go on at the next line (grep's way).
    const char* data = block.data.data();
    const qsizetype size = block.data.size();
    const LogLineSpan* spans = block.spans;
    const qsizetype count = block.count;
    const qsizetype length = needle.size();
    qsizetype line = 0;
    qsizetype from = spans[0].begin;
    while (from < size) {
        const qsizetype position = findNeedle(data, size, from, needle, fold);
        if (position < 0)
            break;
        while (line + 1 < count && qsizetype(spans[line + 1].begin) <= position)
            ++line;
        if (position >= qsizetype(spans[line].begin) && position + length <= qsizetype(spans[line].end)) {
            found(line);
            if (++line >= count)
                break;
            from = spans[line].begin;
        } else {
            from = position + 1; // across a line end or a '\r': not a hit
        }
    }
}

void LogSearchMatcher::matchBlock(const LogLineBlock& block, std::vector<qsizetype>& hits) const
{
    const qsizetype count = block.count;
    if (count == 0)
        return;
    if (m_kind == Kind::None) {
        for (qsizetype i = 0; i < count; ++i)
            hits.push_back(i);
        return;
    }
    if (m_kind == Kind::Bytes || m_kind == Kind::AsciiFold) {
        forEachLineWith(block, m_needle, m_kind == Kind::AsciiFold, [&](qsizetype line) { hits.push_back(line); });
        return;
    }
    if (m_kind == Kind::Unicode) {
        for (qsizetype i = 0; i < count; ++i) {
            if (matches(block.line(i)))
                hits.push_back(i);
        }
        return;
    }
    // Regular expression. With a literal that every match starts with, only the lines holding it
    // are matched, each on its own; an ASCII block without '\r' is converted once for that.
    const LogLineSpan* spans = block.spans;
    const qsizetype firstByte = spans[0].begin;
    const qsizetype lastByte = spans[count - 1].end;
    const QByteArrayView bytes = block.data.sliced(firstByte, lastByte - firstByte);
    const bool ascii = count >= 4 && isAsciiWithoutCr(bytes);
    if (!m_needle.isEmpty()) {
        if (!ascii) {
            forEachLineWith(block, m_needle, m_foldNeedle, [&](qsizetype line) {
                if (regexMatchesLine(block.line(line)))
                    hits.push_back(line);
            });
            return;
        }
        const QString text = QString::fromLatin1(bytes);
        forEachLineWith(block, m_needle, m_foldNeedle, [&](qsizetype line) {
            const QStringView view
                = QStringView(text).sliced(spans[line].begin - firstByte, spans[line].end - spans[line].begin);
            if (m_regex
                    .match(
                        view, 0, QRegularExpression::NormalMatch, QRegularExpression::DontCheckSubjectStringMatchOption)
                    .hasMatch())
                hits.push_back(line);
        });
        return;
    }
    if (!ascii) {
        for (qsizetype i = 0; i < count; ++i) {
            if (regexMatchesLine(block.line(i)))
                hits.push_back(i);
        }
        return;
    }
    // Without a literal: the block as one text (one conversion, one JIT run per hit); a hit that
    // does not lie within one line is checked on that line alone.
    const QString text = QString::fromLatin1(bytes);
    qsizetype line = 0;
    qsizetype from = 0;
    while (from <= text.size()) {
        // Without the option PCRE2 would check the whole block's UTF-16 on every call.
        const QRegularExpressionMatch match = m_regex.match(
            text, from, QRegularExpression::NormalMatch, QRegularExpression::DontCheckSubjectStringMatchOption);
        if (!match.hasMatch())
            break;
        const qsizetype start = match.capturedStart() + firstByte;
        const qsizetype end = match.capturedEnd() + firstByte;
        while (line + 1 < count && qsizetype(spans[line + 1].begin) <= start)
            ++line;
        const bool within = start >= qsizetype(spans[line].begin) && end <= qsizetype(spans[line].end);
        if (within || regexMatchesLine(block.line(line)))
            hits.push_back(line);
        if (++line >= count)
            break;
        from = qsizetype(spans[line].begin) - firstByte;
    }
}

QList<std::pair<qsizetype, qsizetype>> LogSearchMatcher::highlights(QStringView text) const
{
    QList<std::pair<qsizetype, qsizetype>> ranges;
    if (m_kind == Kind::None || text.isEmpty())
        return ranges;
    if (m_kind == Kind::Regex) {
        const QString subject = text.toString();
        auto it = m_regex.globalMatch(subject);
        while (it.hasNext()) {
            const QRegularExpressionMatch match = it.next();
            if (match.capturedLength() > 0)
                ranges.append({ match.capturedStart(), match.capturedLength() });
            if (ranges.size() >= 1000)
                break;
        }
        return ranges;
    }
    qsizetype from = 0;
    while (ranges.size() < 1000) {
        const qsizetype at = text.indexOf(m_text, from, m_caseSensitivity);
        if (at < 0)
            break;
        ranges.append({ at, m_text.size() });
        from = at + m_text.size();
    }
    return ranges;
}

LogFilterMatcher::LogFilterMatcher(const LogFilter& filter, const QStringList& storages)
    : m_empty(filter.isEmpty())
    , m_filter(filter)
{
    m_needsFields = filter.minLevel || filter.job || !filter.user.isEmpty() || filter.fromMs || filter.toMs;
    if (!filter.storages.isEmpty()) {
        m_allowedSources.resize(std::size_t(storages.size()), false);
        for (qsizetype i = 0; i < storages.size(); ++i)
            m_allowedSources[std::size_t(i)] = filter.storages.contains(storages.at(i));
    }
    m_lastTime.resize(std::size_t(qMax<qsizetype>(1, storages.size())));
    if (filter.job)
        m_job = QByteArray::number(*filter.job);
    m_user = filter.user.toUtf8();
    // A name the writer would escape is not in the line as is.
    m_userPrefilter = !m_user.isEmpty();
    for (const char c : std::as_const(m_user))
        m_userPrefilter = m_userPrefilter && c != '"' && c != '\\' && quint8(c) >= 0x20 && c != 0x7f;
}

bool LogFilterMatcher::matches(int source, QByteArrayView line)
{
    if (m_empty)
        return true;
    if (!m_allowedSources.empty()
        && (source < 0 || std::size_t(source) >= m_allowedSources.size() || !m_allowedSources[std::size_t(source)]))
        return false;
    if (!m_needsFields)
        return true;
    if (m_filter.fromMs || m_filter.toMs) {
        // The merge's notion of a line's time: its ts=, else its predecessor's.
        std::optional<qint64>& last
            = m_lastTime[std::size_t(qBound(qsizetype(0), qsizetype(source), qsizetype(m_lastTime.size()) - 1))];
        if (const auto time = leadingTimestamp(line))
            last = time;
        if (!last || (m_filter.fromMs && *last < *m_filter.fromMs) || (m_filter.toMs && *last > *m_filter.toMs))
            return false;
        if (!m_filter.minLevel && !m_filter.job && m_user.isEmpty())
            return true;
    }
    // Cheap rejections before parsing: the job's digits, or the user's name, must be in the line.
    if (!m_job.isEmpty() && line.indexOf(m_job) < 0)
        return false;
    if (m_userPrefilter && line.indexOf(m_user) < 0)
        return false;
    Logfmt::parse(line, m_parsed);
    if (m_filter.minLevel && m_parsed.level.value_or(LogLevel::Info) < *m_filter.minLevel)
        return false;
    auto fieldEquals = [&](QByteArrayView key, const QByteArray& expected) {
        const qsizetype index = m_parsed.indexOf(key);
        if (index < 0)
            return false;
        const LogfmtField& field = m_parsed.fields.at(index);
        return field.escaped ? field.value() == expected : field.rawValue == expected;
    };
    if (m_filter.job && !fieldEquals("job", m_job))
        return false;
    if (!m_user.isEmpty() && !fieldEquals("user", m_user))
        return false;
    return true;
}

} // namespace pk
