"""Request middleware of the Arrow integration: the ledger's actor for what a request changes.

`LedgerActorMiddleware` makes the request's user the actor of every ledger entry written while
the request is served (API, Django admin, dashboard). The user is read when an entry is written:
the API authenticates a token inside the view and sets the user on the request then.
"""

from arrow_integration.services.ledger.actor import ledger_actor_of_request


class LedgerActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with ledger_actor_of_request(request):
            return self.get_response(request)
