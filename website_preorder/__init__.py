from . import controllers, models, rules, wizards
