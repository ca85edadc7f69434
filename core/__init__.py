"""What every package of UMOT Harvester shares: configuration, secrets, label names, spider
names, the language rule and the version. Imports no other package of the project."""

__version__ = "0.1.0"
