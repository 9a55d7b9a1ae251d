"""Participation proceedings on planned fixes: phases, located contributions, comments,
supports and the body's decisions, each fix tied to the people it gives access.

:mod:`~stufenlos.proceedings.models` holds the tables, :mod:`~stufenlos.proceedings.service`
the rules, :mod:`~stufenlos.proceedings.effects` the link to the scenario engine,
:mod:`~stufenlos.proceedings.export` the open formats and :mod:`~stufenlos.proceedings.seed`
the Hamburg demo.
"""
