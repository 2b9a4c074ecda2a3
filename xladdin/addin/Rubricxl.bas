Attribute VB_Name = "Rubricxl"
Option Explicit

' Ribbon callback shared by every button of the rubricxl tab (customUI.xml).
' The button's tag names the action; Python (xladdin.ribbon.dispatch) does the work
' on the active workbook through the xlwings module's RunPython.
Public Sub RubricxlButton(control As IRibbonControl)
    RunPython "import xladdin.ribbon as r; r.dispatch('" & control.Tag & "')"
End Sub
