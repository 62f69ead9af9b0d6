# report/ holds SQL views over columns that models/ adds: it is imported (and
# its views created) after models/
from . import (
    controllers,
    hooks,
    models,
    report,
    rules,
    wizards,
)
from .hooks import uninstall_hook
