"""Teams: named groups of an organization's members, mentioned together in comments as ``@team:<slug>``."""
