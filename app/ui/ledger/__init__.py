"""工作台账 UI: the paged list, the generic form and the entry dialog."""
