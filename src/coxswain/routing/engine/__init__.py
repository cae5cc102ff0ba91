"""Pure routing engine: compile a rules document once, then decide leads in microseconds.

No database, no I/O, no clock: the adapters read files and rows, the service loads rep states,
and every function here takes ``as_of`` explicitly.
"""
