"""What the outlets' page renderers share (`replica.pages.common`): markup helpers and
`article_body`, the one body renderer, fed per outlet with a `BodyMarkup`.

The outlets' own renderers live in their modules, replica/outlets/<outlet>.py.
"""
