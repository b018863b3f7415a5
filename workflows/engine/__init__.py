"""The lifecycle engine and what every area shares.

- ``machine``: the engine that fires every lifecycle (roles, guards, optimistic version, signature, transition
  log, tasks and outbox in one transaction), the actor, and the task helpers;
- ``lifecycle_index``: every lifecycle by name, registered by its own area, and the one ``fire`` the web and CLI use;
- ``credentials``: password attempts and the lock, for signing in and for signing a record (5.2.2, 7.5.3);
- ``history``: a record's moves and changes in words; ``tasks`` and ``flow_faults``: the inbox; ``standins``
  and ``delegation``: a substitute for someone away, and a task handed on with a reason;
- small helpers: ``paging``, ``lookup``, ``names``, ``stored`` (the file store), ``exports`` (Excel),
  ``charts`` (PNG for Word) and ``rendering`` (Word and PDF).

It imports no area; every area imports it."""
