"""Governance on the server: each project's policy (uploaded, validated, itself governed), the status gates and
approvals it asks for on every governed action, and the approvals workflow (request, approve, deny, comment,
withdraw) with mail to the people concerned. The policy format is :mod:`buildrunner.governance`."""
