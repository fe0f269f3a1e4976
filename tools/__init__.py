"""Deploy-time tools that run outside the functions: the page's security headers (web_headers) and its publishing
(web_deploy)."""
