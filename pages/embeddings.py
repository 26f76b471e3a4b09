import streamlit as st

st.title("embeddings")
st.info("This page is being built.")
