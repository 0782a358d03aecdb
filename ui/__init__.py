"""The Streamlit side of smsconsole: page setup, translations and shared widgets."""
