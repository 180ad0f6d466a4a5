"""Policies: size tiers, budgets and the golden (skip) policy."""
