"""Entry point of the process a large upload is parsed in (see ``staging``)."""

from fourflow.tradedata.service.staging import serve

if __name__ == "__main__":
    serve()
