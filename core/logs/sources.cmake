# The migration log: the logfmt format of inSyncMigration.log, its parser and its writer.
target_sources(poolkeeper-core PRIVATE
    logs/logrecord.h logs/logrecord.cpp
    logs/logfmtline.h logs/logfmtline.cpp
    logs/logfmt.h logs/logfmt.cpp
    logs/migrationlog.h logs/migrationlog.cpp
)
# The log viewer's core: line index, files and rotations, merge by time, filters and search,
# job timeline and the table model (Qt Core only; the widgets are in ui/).
target_sources(poolkeeper-core PRIVATE
    logs/lineindex.h logs/lineindex.cpp
    logs/logfile.h logs/logfile.cpp
    logs/logsource.h logs/logsource.cpp
    logs/mergedorder.h logs/mergedorder.cpp
    logs/logrow.h logs/logrow.cpp
    logs/logdocument.h logs/logdocument.cpp
    logs/logworkerthread.h
    logs/backgroundrunner.h logs/backgroundrunner.cpp
    logs/logfilter.h logs/logfilter.cpp
    logs/logquery.h logs/logquery.cpp
    logs/jobtimeline.h logs/jobtimeline.cpp
    logs/logtablemodel.h logs/logtablemodel.cpp
)
