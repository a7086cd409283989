"""The REST service: settings, the FastAPI app, and the event store (:mod:`whyrec.serve.storage`)."""
