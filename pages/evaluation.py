import streamlit as st

st.title("evaluation")
st.info("This page is being built.")
