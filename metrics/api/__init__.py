"""REST API of the metrics app, one module per resource.

Thin views as in ``pmhub.api``: serializers validate and shape, services write, selectors read,
and ``capabilities`` names the action of the capability table each request needs. A product in a
URL or a body is looked up in the request's workspace only: another workspace's is a 404 in a URL
and a 400 naming ``product`` in a body.
"""
