"""makemore lab: the entrypoint.

    streamlit run app.py

At server start `streamlit run` imports this file, finds `app` (an `st.App`, below) and serves it: the
slow imports and the tables every session shares are made then (ui/warm.py), before the first visitor
waits for them. Each page view then runs router/main.py, which routes (ui/navigation.py).

Why the page view is another file, in a folder of its own: Streamlit takes a folder named `pages` beside
the script it runs for each page view as its legacy multipage layout, and on a freshly started server it
ran a deep link (/training) as that page alone, without the navigation and the sidebar, until some run
had called st.navigation. The script st.App serves has no `pages` folder beside it, so the folder is only
what st.navigation names (tests/test_navigation.py checks that rule of Streamlit's). AppTest runs this
file as a script (`__main__`), which routes the same way.
"""
import streamlit as st

if __name__ == "__main__":      # AppTest: it runs this file for each page view
    from ui.navigation import route
    route()
else:                           # server start: `streamlit run app.py` imports this file and serves `app`
    from starlette.middleware import Middleware

    from ui.upload_limit import SessionUploadLimit
    from ui.warm import warm_up
    app = st.App("router/main.py", lifespan=warm_up, middleware=[Middleware(SessionUploadLimit)])
