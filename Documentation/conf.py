# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for pool_alloc's documentation.  `make docs`
# (tools/testing/vm/docs.sh) runs sphinx-build on this directory with
# PA_KERNEL_DOCTOOLS naming a directory that holds the kernel's own
# scripts/kernel-doc and Documentation/sphinx/ (extracted from Debian's
# linux-source-6.12), as the kernel's Documentation/conf.py expects them.

import os
import sys

doctools = os.environ.get('PA_KERNEL_DOCTOOLS')
if not doctools:
    sys.exit('conf.py: set PA_KERNEL_DOCTOOLS (make docs does)')
sys.path.insert(0, os.path.join(doctools, 'Documentation', 'sphinx'))

project = 'pool_alloc'
copyright = 'the pool_alloc authors; GPL-2.0'
root_doc = 'index'
exclude_patterns = []

# Only the kernel-doc directive: the kernel's other extensions serve its
# own tree (ABI files, MAINTAINERS, translations) and this one has none.
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(doctools, 'scripts', 'kernel-doc')
# Paths in kernel-doc directives are relative to the repository's root.
kerneldoc_srctree = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                 '..'))
# 1: kernel-doc's own complaints reach sphinx-build's stderr, which docs.sh
# counts as warnings (make check also runs kernel-doc -Wall on every file).
kerneldoc_verbosity = 1

# The C domain cannot resolve the kernel's own types, which this project
# does not document.  They are listed rather than nitpicky mode turned off,
# so that a reference to one of pool_alloc's own that does not resolve
# (a misspelt struct, a function without kernel-doc) is still a warning.
nitpick_ignore = [('c:identifier', t) for t in (
    'size_t', 'gfp_t', 'u64', 'bool', 'rcu_head',
)]

html_theme = 'alabaster'
html_title = 'pool_alloc'
html_show_sourcelink = False
