import streamlit as st

st.title("init")
st.info("This page is being built.")
