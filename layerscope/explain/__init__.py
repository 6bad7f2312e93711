"""Remediation content per finding code, as data filled with the report's real values.

Every command is built only from values that are safe in a shell: the site name, SNI, layer
addresses and ``--extra-ca`` paths are passed through :func:`shlex.quote`; fingerprints are
used only after they were checked to be hex; certificate names go into commands only when they
are plain DNS names. Strings that come from certificates (subjects, issuers, odd SANs) only
ever go into ``text`` fields, with control characters made visible. Commands that print
certificate fields end in ``| cat -v`` so escape sequences in a hostile certificate cannot
drive the terminal.
"""

from __future__ import annotations

from layerscope.explain.catalogue import REMEDIATION_CODES, remediation_for, reproduce_command
from layerscope.explain.context import RemediationContext

__all__ = ["REMEDIATION_CODES", "RemediationContext", "remediation_for", "reproduce_command"]
