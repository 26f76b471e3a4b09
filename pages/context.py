import streamlit as st

st.title("context")
st.info("This page is being built.")
