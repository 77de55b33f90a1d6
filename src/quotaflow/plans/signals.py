"""Planning events other apps act on, inside the same database transaction.

Planning does not know who reads its comments. The feedback app listens here to resolve
the ``@mentions`` of every comment written on a goal — by a plain comment, an approval,
a return, an adjustment or a bulk review alike — and to tell the people mentioned.
"""

from django.dispatch import Signal

#: Comments were written on goals: ``comments: list[GoalComment]`` (one text by one author,
#: on one goal or many) and ``field``, the input the text came from (``body``, ``comment``,
#: ``reason``) for an error that names it. A receiver may refuse the text by raising a
#: ``core.errors.DomainError``: the action that wrote the comments then rolls back whole.
comments_written = Signal()
