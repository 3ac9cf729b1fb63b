"""Page renderers, one module per outlet (tribun, kompas, detik, harianjogja) plus common.

Each function takes the `Site` and what the URL names (an article and a page,
a section, a day …) and returns the page's markup; replica/routes.py maps
requests to them.
"""
