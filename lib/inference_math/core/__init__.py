"""The core room: units and the one place that formats numbers as prose, the checks every
input passes, and the strict reader of the book's data files. Imports nothing of the package.
"""
