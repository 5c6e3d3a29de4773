"""`chithi serve`: the review workbench as a local web application over the store (:mod:`pipeline.serve.app`)."""
