# The migration log: the logfmt format of inSyncMigration.log, its parser and its writer.
target_sources(poolkeeper-core PRIVATE
    logs/logrecord.h logs/logrecord.cpp
    logs/logfmtline.h logs/logfmtline.cpp
    logs/logfmt.h logs/logfmt.cpp
    logs/migrationlog.h logs/migrationlog.cpp
)
