"""Feedback on running goals: check-ins with confidence, the replies to them, and the
reminders sent when a check-in is overdue."""
