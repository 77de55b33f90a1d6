"""Incentive compensation: plans, payout runs and statements."""
