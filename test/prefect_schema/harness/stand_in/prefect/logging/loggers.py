"""Stand-in: get_logger, as Prefect's: the "prefect" logger or a child of it."""
import logging


def get_logger(name=None):
    parent = logging.getLogger("prefect")
    if name:
        if not name.startswith(parent.name + "."):
            return parent.getChild(name)
        return logging.getLogger(name)
    return parent
