# Minimal stand-in for CPython's logging module on MicroPython: what minipb
# uses (getLogger, Logger.debug/warning/..., basicConfig). Records at or
# above the level (default WARNING, as CPython's last-resort handler) are
# written to stderr as "LEVEL:name:message".

import sys

CRITICAL = 50
ERROR = 40
WARNING = 30
INFO = 20
DEBUG = 10
NOTSET = 0

_names = {CRITICAL: "CRITICAL", ERROR: "ERROR", WARNING: "WARNING",
          INFO: "INFO", DEBUG: "DEBUG", NOTSET: "NOTSET"}
_level = WARNING
_loggers = {}


class Logger:
    def __init__(self, name):
        self.name = name
        self.level = NOTSET

    def setLevel(self, level):
        self.level = level

    def getEffectiveLevel(self):
        return self.level or _level

    def isEnabledFor(self, level):
        return level >= self.getEffectiveLevel()

    def log(self, level, msg, *args):
        if level >= self.getEffectiveLevel():
            if args:
                msg = msg % args
            sys.stderr.write("%s:%s:%s\n" % (_names.get(level, level), self.name, msg))

    def debug(self, msg, *args):
        self.log(DEBUG, msg, *args)

    def info(self, msg, *args):
        self.log(INFO, msg, *args)

    def warning(self, msg, *args):
        self.log(WARNING, msg, *args)

    warn = warning

    def error(self, msg, *args):
        self.log(ERROR, msg, *args)

    def exception(self, msg, *args):
        self.log(ERROR, msg, *args)

    def critical(self, msg, *args):
        self.log(CRITICAL, msg, *args)


def getLogger(name="root"):
    lg = _loggers.get(name)
    if lg is None:
        lg = _loggers[name] = Logger(name)
    return lg


def basicConfig(level=None, **kwargs):
    global _level
    if level is not None:
        _level = level


def debug(msg, *args):
    getLogger().debug(msg, *args)


def info(msg, *args):
    getLogger().info(msg, *args)


def warning(msg, *args):
    getLogger().warning(msg, *args)


def error(msg, *args):
    getLogger().error(msg, *args)
