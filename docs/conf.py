# Sphinx configuration of the fortifleet.auth docs site (started from `antsibull-docs sphinx-init`).
# Built by `make docs` (docs/build.sh) into docs/build/html, offline: no intersphinx inventories are fetched.

project = 'fortifleet.auth'
copyright = 'fortifleet.auth contributors'  # noqa: A001 (Sphinx's name)

title = 'fortifleet.auth'
html_short_title = 'fortifleet.auth'

# sphinx_antsibull_ext renders the collection pages antsibull-docs writes; myst_parser reads the findings
# catalogue, which stays Markdown (docs/findings.md, generated from the code by tools/findings_doc.py).
extensions = ['sphinx_antsibull_ext', 'myst_parser']
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False

html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = 'any'
